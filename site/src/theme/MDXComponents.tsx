/**
 * Components every MDX page can use without importing them. Chapter READMEs are plain Markdown, so
 * this matters for .mdx pages only: `<FrameLayout />` draws the RFC 6455 §5.2 frame layout.
 */
import MDXComponents from '@theme-original/MDXComponents';
import FrameLayout from '@site/src/components/FrameLayout';

export default {
  ...MDXComponents,
  FrameLayout,
};
