/**
 * A source file of the repository, shown in the book (see plugins/source-pages.ts).
 */
import CodeBlock from '@theme/CodeBlock';
import Layout from '@theme/Layout';
import type { ReactNode } from 'react';

interface Props {
  readonly source: { readonly path: string; readonly code: string };
}

/** What a file's folder holds, for the line under the title. */
function folderRole(file: string): string {
  if (file.startsWith('solutions/')) return 'the reference solution';
  if (file.startsWith('chapters/')) return "a learner's starter, as generated from the reference";
  if (file.startsWith('core/')) return 'the shared core: errors, close codes, frame shape';
  if (file.startsWith('test/')) return "the chapters' tests";
  if (file.startsWith('tools/wire/')) return 'the client toolkit the tests talk to the server with';
  return 'the given code every tree runs on';
}

export default function SourcePage({ source }: Props): ReactNode {
  return (
    <Layout title={source.path} description={`${source.path}: ${folderRole(source.path)}.`}>
      <main className="container margin-vert--lg">
        <h1>
          <code>{source.path}</code>
        </h1>
        <p>
          Part of {folderRole(source.path)}. The same file is at <code>{source.path}</code> in your copy of the repository.
        </p>
        <CodeBlock language="typescript" title={source.path} showLineNumbers>
          {source.code}
        </CodeBlock>
      </main>
    </Layout>
  );
}
