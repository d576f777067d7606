// Request routing, with no I/O: which handler a method and path go to, or why none does (404, 405).
// A route's path is either exact (`/metrics`) or has one parameter segment, anywhere in it
// (`/api/v1/results/:domain`, `/api/v1/results/:domain/history`): one non-empty segment without a
// slash, passed on undecoded. An exact path wins over a parameter route; among parameter routes,
// the first in the table that matches.
// Every route answers GET and HEAD (HEAD is GET without the body); nothing else.

export interface Route<H> {
  path: string;
  handler: H;
}

export type Routed<H> = { status: 200; route: Route<H>; param: string | null } | { status: 404 } | { status: 405; allow: string };

export type Router<H> = (method: string | undefined, path: string) => Routed<H>;

export const ALLOWED_METHODS = ['GET', 'HEAD'];

/** A parameter route split around its parameter: `/api/v1/results/` + `:domain` + `/history`. */
interface ParamRoute<H> {
  prefix: string;
  suffix: string;
  route: Route<H>;
}

/** Builds the lookup once: exact paths in a map, parameter routes by the text around the parameter. */
export function createRouter<H>(routes: readonly Route<H>[]): Router<H> {
  const exact = new Map<string, Route<H>>();
  const withParam: ParamRoute<H>[] = [];
  for (const route of routes) {
    const m = /^(.*\/):[a-z]+((?:\/[^:]*)?)$/i.exec(route.path);
    if (m && m[1]!.includes('/:')) throw new Error(`route ${route.path}: at most one parameter segment`);
    if (m) withParam.push({ prefix: m[1]!, suffix: m[2]!, route });
    else exact.set(route.path, route);
  }
  const allow = ALLOWED_METHODS.join(', ');

  const find = (path: string): { route: Route<H>; param: string | null } | null => {
    const route = exact.get(path);
    if (route) return { route, param: null };
    for (const { prefix, suffix, route } of withParam) {
      if (path.length <= prefix.length + suffix.length || !path.startsWith(prefix) || !path.endsWith(suffix)) continue;
      const segment = path.slice(prefix.length, path.length - suffix.length);
      if (!segment.includes('/')) return { route, param: segment };
    }
    return null;
  };

  // An unknown path is a 404 whatever the method; a known one with another method, a 405.
  return (method, path) => {
    const found = find(path);
    if (!found) return { status: 404 };
    if (!ALLOWED_METHODS.includes(method ?? '')) return { status: 405, allow };
    return { status: 200, ...found };
  };
}

/** The path and query of a request target (origin-form `/p?q`, or absolute-form `http://h/p?q`); null if neither. */
export function splitTarget(raw: string | undefined): { path: string; query: URLSearchParams } | null {
  let target = raw ?? '/';
  if (!target.startsWith('/')) {
    try {
      const u = new URL(target);
      target = u.pathname + u.search;
    } catch {
      return null;
    }
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: new URLSearchParams() } : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}
