import React from 'react';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import Link from '@docusaurus/Link';
import FrameLayout from '@site/src/components/FrameLayout';
import FrameLab from '@site/src/components/FrameLab';
import { useChapter } from '@site/src/components/chapters';

export default function FrameLabPage(): React.ReactElement {
  const frames = useChapter('05');
  return (
    <Layout
      title="Frame lab"
      description="Encode and decode WebSocket frames byte by byte with the workbook's own frame codec."
    >
      <main className="container margin-vert--lg">
        <Heading as="h1">Frame lab</Heading>
        <p>
          Every WebSocket message travels in frames. This page encodes and decodes them with the very
          code of the reference solution (<code>solutions/05-frames</code>), running in your browser:
          what you see here is what the server of{' '}
          {frames === undefined ? 'chapter 05' : <Link to={frames.permalink}>chapter 05</Link>} does with
          the same bytes.
        </p>
        <Heading as="h2" id="layout">
          The frame layout (RFC 6455 §5.2)
        </Heading>
        <p>
          Bits are numbered from the most significant bit of the first byte. Dashed fields appear only in
          some frames; hover a field for its meaning.
        </p>
        <FrameLayout />
        <FrameLab />
      </main>
    </Layout>
  );
}
