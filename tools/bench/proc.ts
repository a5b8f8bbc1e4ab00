/**
 * What the benchmark reads about a server process from Linux's /proc: the CPU time it has used and
 * the memory it holds. Both are read from outside, so every server is measured the same way and
 * none of them needs a hook of its own.
 *
 * CPU time is the process's user + system time (all its threads: V8's helper threads count, as
 * they would on a real machine). It counts in clock ticks (usually 10 ms), which over a measured
 * window of a second or more is precise to about 1 %: far steadier than a messages-per-second
 * figure, which moves with whatever else the machine is doing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's time fields (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = readClockTicks();

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/**
 * utime + stime in clock ticks, from the text of /proc/<pid>/stat (proc(5): fields 14 and 15). The
 * command name, field 2, is in parentheses and may itself hold spaces or parentheses, so the fields
 * are counted from after its last `)`: the first of them is field 3.
 */
export function parseCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** CPU time a process has used so far, in milliseconds. */
export function cpuTimeMs(pid: number): number {
  return (parseCpuTicks(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) / CLOCK_TICKS_PER_SECOND) * 1000;
}

/** One `kB` line of /proc/<pid>/status, in bytes: VmRSS is the resident set now, VmHWM its peak. */
export function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (kib === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** A process's soft limit on open files (the `ulimit -n` it runs under), from /proc/<pid>/limits. */
export function openFileLimit(pid: number | 'self' = 'self'): number {
  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}
