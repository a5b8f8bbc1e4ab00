import React from 'react';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import Link from '@docusaurus/Link';
import CodeBlock from '@theme/CodeBlock';
import { useChapters } from '@site/src/components/chapters';
import styles from './index.module.css';

function ChapterList(): React.ReactElement {
  const chapters = useChapters();
  const numbered = chapters.filter((chapter) => chapter.number !== '');
  const appendices = chapters.filter((chapter) => chapter.number === '');
  return (
    <>
      <ol className={styles.chapters} data-testid="chapter-list">
        {numbered.map((chapter) => (
          <li key={chapter.dir} value={Number(chapter.number)}>
            <Link to={chapter.permalink} data-chapter={chapter.number} data-title={chapter.title}>
              <span className={styles.number}>{chapter.number}</span> {chapter.shortTitle}
            </Link>
            {chapter.description !== '' && <p>{chapter.description}</p>}
          </li>
        ))}
      </ol>
      {appendices.length > 0 && (
        <>
          <Heading as="h3">Appendix</Heading>
          <ul className={styles.chapters}>
            {appendices.map((chapter) => (
              <li key={chapter.dir}>
                <Link to={chapter.permalink} data-chapter={chapter.dir} data-title={chapter.title}>
                  {chapter.title}
                </Link>
                {chapter.description !== '' && <p>{chapter.description}</p>}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

export default function Home(): React.ReactElement {
  const chapters = useChapters();
  const first = chapters.find((chapter) => chapter.number !== '');
  return (
    <Layout
      title="Build a WebSocket server from scratch"
      description="A TypeScript workbook: build an RFC 6455 WebSocket server from a bare TCP socket, one layer per chapter."
    >
      <header className={styles.hero}>
        <div className="container">
          <Heading as="h1" className={styles.title}>
            WebSocket from scratch
          </Heading>
          <p className={styles.tagline}>
            Build an RFC 6455 WebSocket server in TypeScript, starting from a bare TCP socket, one layer
            per chapter, with tests that tell you what went over the wire.
          </p>
          <div className={styles.buttons}>
            {first !== undefined && (
              <Link className="button button--primary button--lg" to={first.permalink}>
                Start with chapter {first.number}
              </Link>
            )}
            <Link className="button button--secondary button--lg" to="/frame-lab">
              Open the frame lab
            </Link>
          </div>
        </div>
      </header>
      <main className="container margin-vert--lg">
        <div className="row">
          <section className="col col--6">
            <Heading as="h2">What you build</Heading>
            <p>
              A WebSocket server that a browser talks to, written by you on top of <code>node:net</code>{' '}
              and nothing else. You read the HTTP request that asks for the upgrade, answer it with{' '}
              <code>101 Switching Protocols</code> and a <code>Sec-WebSocket-Accept</code> you computed,
              then decode and encode frames, close connections properly, reassemble fragmented messages
              and reject invalid UTF-8, answer pings, time out silent peers, keep memory bounded under
              load, and finally put an echo endpoint and a chat room behind a small API.
            </p>
            <p>
              Each chapter adds one layer to the same server. After every chapter it runs, and it does
              what that chapter taught: you can point a browser at it. The reference solution passes
              the project's own conformance suite and is measured against the <code>ws</code> package.
            </p>
          </section>
          <section className="col col--6">
            <Heading as="h2">Who it is for</Heading>
            <p>
              Developers who know TypeScript and Node.js and have used WebSockets through a library, and
              want to know what actually happens on the wire: why there is an HTTP request first, what a
              masking key is for, who closes first and why. You need not have read the RFCs: each chapter
              names the sections it implements and explains them.
            </p>
            <p>
              It also works as a workshop: the runner can bring anyone who fell behind up to the current
              chapter with the reference code, so they continue from there.
            </p>
          </section>
        </div>

        <section className="margin-top--lg">
          <Heading as="h2">Start</Heading>
          <p>You need Node.js 20.19 or later. In a clone of the repository:</p>
          <CodeBlock language="bash">npm ci && npm start</CodeBlock>
          <p>
            <code>npm start</code> shows every chapter with its status, runs the tests of the first
            unfinished one against your code in <code>chapters/</code>, and reruns them each time you save.
            A failing test says what it sent, what came back and what RFC 6455 expects.
          </p>
          <p>To check the workbook itself (every chapter against the reference solution, the type check):</p>
          <CodeBlock language="bash">npm test</CodeBlock>
        </section>

        <section className="margin-top--lg">
          <Heading as="h2">The path through the chapters</Heading>
          <ChapterList />
          <p>
            Alongside the chapters: the <Link to="/frame-lab">frame lab</Link>, to build and take apart
            frames byte by byte, and the <Link href="pathname:///api/index.html">API reference</Link> of
            the reference solution.
          </p>
        </section>
      </main>
    </Layout>
  );
}
