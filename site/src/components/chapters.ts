/**
 * The chapters as the docs plugin loaded them (see chapterListPlugin in docusaurus.config.ts):
 * numbered chapters in order, then appendices.
 */
import { usePluginData } from '@docusaurus/useGlobalData';
import type { ChapterEntry } from '../../docusaurus.config';

export type { ChapterEntry };

export function useChapters(): ChapterEntry[] {
  const data = usePluginData('workbook-chapter-list') as { chapters?: ChapterEntry[] } | undefined;
  return data?.chapters ?? [];
}

/** The chapter numbered `number` ('05'), if its page exists. */
export function useChapter(number: string): ChapterEntry | undefined {
  return useChapters().find((chapter) => chapter.number === number);
}
