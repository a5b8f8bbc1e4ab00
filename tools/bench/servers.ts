/**
 * The servers `npm run bench` measures, and how each is built and started: compiled to one
 * JavaScript file (esbuild) and run on bare node in its own process, which prints its port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { root, treeDir, type Tree } from '../tree.ts';


/**
 * Where this process puts its compiled servers: a folder of its own, so that two tools measuring
 * at once never run each other's builds.
 */
const COMPILED_DIR = path.join(root, '.tmp', 'bench', String(process.pid));

/** Removes this process's compiled servers. */
export function removeCompiledServers(): void {
  fs.rmSync(COMPILED_DIR, { recursive: true, force: true });
}

export interface ServerSpec {
  readonly id: string;
  readonly label: string;
  /** The module to compile, relative to the repository root. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  readonly path: string;
  /** The ceiling replies with zeros of the right size: its echo is not checked. */
  readonly echoes: boolean;
}

export function servers(impl: string): ServerSpec[] {
  return [
    {
      id: 'reference',
      label: impl === 'chapters' ? 'chapters (yours)' : 'reference',
      entry: 'server/demo/demo-server.ts',
      env: {},
      path: '/echo',
      echoes: true,
    },
    {
      id: 'ws-js',
      label: 'ws (pure JS)',
      entry: 'tools/bench/server-ws.ts',
      env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' },
      path: '/echo',
      echoes: true,
    },
    {
      id: 'ws-native',
      label: 'ws + bufferutil',
      entry: 'tools/bench/server-ws.ts',
      env: {},
      path: '/echo',
      echoes: true,
    },
    {
      id: 'ceiling',
      label: 'ceiling (raw TCP)',
      entry: 'tools/bench/server-ceiling.ts',
      env: {},
      path: '/echo',
      echoes: false,
    },
  ];
}

/**
 * Compiles a server to one plain JavaScript file, as a deployment would: every server then runs on
 * bare `node`, with no TypeScript loader in the process (a loader's transforms cost memory per
 * closure and would be measured as the server's). Packages stay imports, resolved from node_modules.
 */
export async function compileServer(server: ServerSpec, impl: Tree): Promise<string> {
  const outfile = path.join(COMPILED_DIR, `${server.id}.mjs`);
  const options: esbuild.BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
  };
  if (server.id === 'reference') {
    // The workbook's server: serve() from the chosen tree, printing its port like the others, with
    // permessage-deflate in the compressed scenarios (deflate-settings.ts).
    const serve = JSON.stringify(path.join(root, server.entry));
    const settings = JSON.stringify(path.join(root, 'tools/bench/deflate-settings.ts'));
    const contents =
      `import { serve } from ${serve};\nimport { referenceDeflate } from ${settings};\n` +
      'const server = await serve({ port: 0, ...referenceDeflate() });\nconsole.log(server.port);\n';
    // `@impl/` is the chosen tree here, as tools/tree.ts makes it for tsx.
    const tree = treeDir(impl);
    const plugins: esbuild.Plugin[] = [
      {
        name: 'impl-tree',
        setup(build) {
          build.onResolve({ filter: /^@impl\// }, (args) => ({ path: path.join(tree, args.path.slice('@impl/'.length)) }));
        },
      },
    ];
    await esbuild.build({ ...options, plugins, stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'server-reference.ts' } });
  } else {
    await esbuild.build({ ...options, entryPoints: [path.join(root, server.entry)] });
  }
  return outfile;
}

/**
 * A command line that first raises the open-file limit to its hard maximum: ten thousand
 * connections need more descriptors than a default soft limit (often 1,024) gives. A process may
 * raise its soft limit up to the hard one without privileges, so `bash`'s `ulimit` does it before
 * `exec` hands the process (same pid, same inherited descriptors, IPC channel included) to node.
 */
export function withRaisedFileLimit(args: readonly string[]): [string, string[]] {
  return ['bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...args]];
}

export interface RunningServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Lines the server printed before its port (`masking: …` for ws). */
  readonly notes: readonly string[];
  stderr(): string;
  /** Started with `--cpu-prof`: stopped with SIGTERM, so the profile gets written. */
  readonly profiled: boolean;
}

/** Node ends on SIGTERM without running its exit steps (the CPU profile is one): exit instead. */
const EXIT_ON_SIGTERM = encodeURIComponent("process.once('SIGTERM', () => process.exit(0));");

/**
 * Starts a compiled server, with `env` added to its environment. With `profileDir`, node writes a
 * CPU profile there when the server exits (`--cpu-prof`); {@link stopServer} then ends it with
 * SIGTERM so that it can.
 */
export function startServer(
  server: ServerSpec,
  compiled: string,
  profileDir?: string,
  env: Readonly<Record<string, string>> = {},
): Promise<RunningServerProcess> {
  return new Promise((resolve, reject) => {
    const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
    const [command, args] = withRaisedFileLimit([...profile, '--import', `data:text/javascript,${EXIT_ON_SIGTERM}`, compiled]);
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...server.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error('did not print its port within 20 s')), 20_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${server.label}: ${error.message}${err ? `\n${err.trim()}` : ''}`));
    };
    child.stderr!.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const notes = out.slice(0, match.index).split('\n').filter((line) => line.trim() !== '');
      resolve({ child, port: Number(match[1]), notes, stderr: () => err, profiled: profileDir !== undefined });
    });
    child.on('exit', (code, signal) => fail(new Error(`exited (${signal ?? code}) before listening`)));
    child.on('error', fail);
  });
}

export async function stopServer(server: RunningServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  if (!server.profiled) server.child.kill('SIGKILL');
  else {
    server.child.kill('SIGTERM');
    const late = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(late);
  }
  await exited;
}

