import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, unwatchFile, watch, watchFile } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from './types.js';

// Watching the configuration and the target files. The directory is watched rather than the file:
// editors save by writing a new file and renaming it over the old one, and Kubernetes swaps a
// symlink (..data) when a ConfigMap changes, both of which a watch on the file itself misses.
// Every event in the directory leads (after a quiet period) to comparing the watched files'
// contents with what they were, so only a real change of a watched file calls back.

export interface WatchOptions {
  /** Quiet period after the last event before the files are compared (default 200 ms). */
  debounceMs?: number;
  /** Polling interval where a directory can't be watched (it doesn't exist yet; default 2000 ms). */
  pollMs?: number;
  /** A watcher failed (the others go on). */
  onError?: (err: Error) => void;
}

/** Calls `onChange(changedFiles)` when any of `files` changes, appears or disappears. Returns a stop function. */
export function watchFiles(files: readonly string[], onChange: (changed: string[]) => void, opts: WatchOptions = {}): () => void {
  const paths = [...new Set(files.map((f) => resolve(f)))];
  const fingerprints = new Map(paths.map((p) => [p, fingerprint(p)]));
  const watchers: FSWatcher[] = [];
  const polled: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const compare = () => {
    timer = undefined;
    if (stopped) return;
    const changed: string[] = [];
    for (const p of paths) {
      const now = fingerprint(p);
      if (now !== fingerprints.get(p)) {
        fingerprints.set(p, now);
        changed.push(p);
      }
    }
    if (changed.length > 0) onChange(changed);
  };
  const schedule = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(compare, opts.debounceMs ?? 200);
  };
  const poll = (p: string) => {
    polled.push(p);
    watchFile(p, { interval: opts.pollMs ?? 2000, persistent: false }, schedule);
  };

  const byDir = new Map<string, string[]>();
  for (const p of paths) byDir.set(dirname(p), [...(byDir.get(dirname(p)) ?? []), p]);
  for (const [dir, inDir] of byDir) {
    try {
      const w = watch(dir, { persistent: false }, schedule);
      w.on('error', (err) => {
        opts.onError?.(err);
        w.close();
        if (!stopped) inDir.forEach(poll);
      });
      watchers.push(w);
    } catch {
      // No such directory (yet), or no inotify left: poll the files instead.
      inDir.forEach(poll);
    }
  }

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
    for (const p of polled) unwatchFile(p, schedule);
  };
}

function fingerprint(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/** The files whose change reloads: the configuration itself and the file target sources. */
export function watchedFiles(configFile: string, config: Config): string[] {
  return [resolve(configFile), ...config.targetSources.files, ...config.targetSources.fileSd];
}
