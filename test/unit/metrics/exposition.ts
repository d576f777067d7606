// A strict little parser of the Prometheus text exposition format (version 0.0.4), for the metrics tests: it
// throws on anything it does not understand, so a label value that escaped its quotes fails loudly.

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  help: string;
  type: string;
}

export interface Exposition {
  families: Map<string, ParsedFamily>;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  if (line[i] !== '{') return { labels, end: i };
  i++;
  while (line[i] !== '}') {
    const m = LABEL.exec(line.slice(i));
    if (!m) throw new Error(`bad label name at ${i}: ${line}`);
    const key = m[0];
    i += key.length;
    if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`expected =" at ${i}: ${line}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`unterminated label value: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[i + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else throw new Error(`bad escape \\${String(e)}: ${line}`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    i++;
    if (key in labels) throw new Error(`duplicate label ${key}: ${line}`);
    labels[key] = value;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected , or } at ${i}: ${line}`);
  }
  return { labels, end: i + 1 };
}

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN' || s === 'Nan') return NaN;
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s)) throw new Error(`bad value: ${s}`);
  return Number(s);
}

export function parseExposition(text: string): Exposition {
  const families = new Map<string, ParsedFamily>();
  const samples: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const f = families.get(name) ?? { help: '', type: '' };
      if (kind === 'HELP') f.help = rest;
      else f.type = rest;
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment: ${line}`);
    const m = NAME.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const { labels, end } = parseLabels(line, m[0].length);
    if (line[end] !== ' ') throw new Error(`expected a space before the value: ${line}`);
    samples.push({ name: m[0], labels, value: parseValue(line.slice(end + 1)) });
  }
  return { families, samples };
}

/** A sample as one comparable string: name, labels sorted by name, value. */
export function sampleKey(name: string, labels: Record<string, string>, value: number): string {
  const l = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
  return `${name}{${l}} ${value}`;
}

/** The samples of one family, as sorted comparable strings. */
export function familySamples(e: Exposition, name: string): string[] {
  return e.samples
    .filter((s) => s.name === name)
    .map((s) => sampleKey(s.name, s.labels, s.value))
    .sort();
}
