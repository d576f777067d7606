import { describe, expect, test } from '@jest/globals';
import { methodNotAllowed, notFound } from '../../../src/http/handlers.js';
import { createRouter, splitTarget } from '../../../src/http/router.js';
import { type HttpServerOptions, httpRoutes } from '../../../src/http/server.js';

// The server's route table through the router: no server, no network. Building the table calls no
// option, and routing calls no handler.
const unused = (): never => {
  throw new Error('not called while routing');
};
const options: HttpServerOptions = { host: '127.0.0.1', port: 0, store: unused, metrics: unused, probe: unused, ready: unused, version: 'test' };
const routes = httpRoutes(options, new Set());
const route = createRouter(routes);

describe('the route table', () => {
  test('no two routes share a path', () => {
    expect(new Set(routes.map((r) => r.path)).size).toBe(routes.length);
  });

  // [method, path, the route's path, its parameter]
  test.each<[string, string, string, string | null]>([
    ['GET', '/', '/', null],
    ['HEAD', '/', '/', null],
    ['GET', '/metrics', '/metrics', null],
    ['HEAD', '/metrics', '/metrics', null],
    ['GET', '/probe', '/probe', null],
    ['GET', '/healthz', '/healthz', null],
    ['GET', '/readyz', '/readyz', null],
    ['GET', '/api/v1/results', '/api/v1/results', null],
    ['GET', '/api/v1/results/example.org', '/api/v1/results/:domain', 'example.org'],
    ['HEAD', '/api/v1/results/example.org', '/api/v1/results/:domain', 'example.org'],
    ['GET', '/api/v1/results/%C3%A9xample.org', '/api/v1/results/:domain', '%C3%A9xample.org'],
    ['GET', '/api/v1/results/a%2Fb', '/api/v1/results/:domain', 'a%2Fb'],
    // A domain called "history" is a domain; the history route needs one before it.
    ['GET', '/api/v1/results/history', '/api/v1/results/:domain', 'history'],
    ['GET', '/api/v1/results/example.org/history', '/api/v1/results/:domain/history', 'example.org'],
    ['HEAD', '/api/v1/results/example.org/history', '/api/v1/results/:domain/history', 'example.org'],
    ['GET', '/api/v1/results/%C3%A9xample.org/history', '/api/v1/results/:domain/history', '%C3%A9xample.org'],
    ['GET', '/api/v1/results/history/history', '/api/v1/results/:domain/history', 'history'],
    ['GET', '/domain/example.org', '/domain/:domain', 'example.org'],
    ['HEAD', '/domain/example.org', '/domain/:domain', 'example.org'],
    ['GET', '/report', '/report', null],
    ['GET', '/report.json', '/report.json', null],
  ])('%s %s → %s (parameter %s)', (method, path, routePath, param) => {
    const routed = route(method, path);
    expect(routed.status).toBe(200);
    if (routed.status !== 200) return;
    expect(routed.route).toBe(routes.find((r) => r.path === routePath));
    expect(routed.param).toBe(param);
  });

  test.each<[string | undefined, string]>([
    ['GET', '/nope'],
    ['GET', '/metrics/'],
    ['GET', '/Metrics'],
    ['GET', '//metrics'],
    ['GET', '/probe/x'],
    ['GET', '/index.html'],
    ['GET', '/report.json/'],
    ['GET', ''],
    ['GET', '/api/v1'],
    ['GET', '/api/v1/results/'],
    ['GET', '/api/v1/results/example.org/'],
    ['GET', '/api/v1/results/a/b'],
    ['GET', '/api/v1/results//history'],
    ['GET', '/api/v1/results/a/b/history'],
    ['GET', '/api/v1/results/example.org/history/'],
    ['GET', '/api/v1/results/example.org/History'],
    ['GET', '/api/v1/results/example.org/historyx'],
    ['GET', '/domain'],
    ['GET', '/domain/'],
    ['GET', '/domain/a/b'],
    // An unknown path is a 404 whatever the method.
    ['POST', '/nope'],
    ['DELETE', '/api/v1/results/a/b'],
  ])('%s %s → 404', (method, path) => {
    expect(route(method, path)).toEqual({ status: 404 });
  });

  test.each<[string | undefined, string]>([
    ['POST', '/metrics'],
    ['PUT', '/'],
    ['DELETE', '/healthz'],
    ['PATCH', '/probe'],
    ['OPTIONS', '/api/v1/results'],
    ['POST', '/api/v1/results/example.org'],
    ['DELETE', '/api/v1/results/example.org/history'],
    ['PUT', '/domain/example.org'],
    ['TRACE', '/report'],
    ['get', '/metrics'],
    [undefined, '/readyz'],
  ])('%s %s → 405, Allow: GET, HEAD', (method, path) => {
    expect(route(method, path)).toEqual({ status: 405, allow: 'GET, HEAD' });
  });
});

describe('createRouter', () => {
  test('an exact path wins over a parameter route with the same prefix', () => {
    const r = createRouter([
      { path: '/a/:x', handler: 'param' },
      { path: '/a/b', handler: 'exact' },
    ]);
    expect(r('GET', '/a/b')).toMatchObject({ status: 200, route: { handler: 'exact' }, param: null });
    expect(r('GET', '/a/c')).toMatchObject({ status: 200, route: { handler: 'param' }, param: 'c' });
  });

  test('the parameter may be followed by more path: one segment between the fixed parts', () => {
    const r = createRouter([
      { path: '/a/:x', handler: 'one' },
      { path: '/a/:x/b', handler: 'then b' },
    ]);
    expect(r('GET', '/a/c/b')).toMatchObject({ status: 200, route: { handler: 'then b' }, param: 'c' });
    expect(r('GET', '/a/b')).toMatchObject({ status: 200, route: { handler: 'one' }, param: 'b' });
    expect(r('GET', '/a//b')).toEqual({ status: 404 });
    expect(r('GET', '/a/c/d/b')).toEqual({ status: 404 });
  });

  test.each(['/a/:x/:y', '/:x/b/:y'])('a route with two parameters (%s) is refused when the table is built', (path) => {
    expect(() => createRouter([{ path, handler: 'two' }])).toThrow(`route ${path}: at most one parameter segment`);
  });

  test('with no routes every path is a 404', () => {
    expect(createRouter([])('GET', '/')).toEqual({ status: 404 });
  });
});

describe('splitTarget', () => {
  // [request target, path, query] (null: not a target we serve)
  test.each<[string | undefined, string | null, string]>([
    ['/', '/', ''],
    [undefined, '/', ''],
    ['/probe?target=example.org&mode=c2s', '/probe', 'target=example.org&mode=c2s'],
    ['/a?', '/a', ''],
    ['/a?b=%20c', '/a', 'b=+c'],
    ['/a?b=1?c', '/a', 'b=1%3Fc'],
    ['http://exporter:9750/metrics?x=1', '/metrics', 'x=1'],
    ['https://exporter/', '/', ''],
    ['*', null, ''],
    ['', null, ''],
  ])('%s → path %s, query %s', (raw, path, query) => {
    const target = splitTarget(raw);
    if (path === null) expect(target).toBeNull();
    else expect({ path: target?.path, query: target?.query.toString() }).toEqual({ path, query });
  });
});

describe('replies without a route', () => {
  test.each<[string, string, string]>([
    ['/nope', 'text/plain; charset=utf-8', 'not found\n'],
    ['/api/v1/nope', 'application/json; charset=utf-8', '{"error":"not found"}\n'],
    ['/api/v1/results/a/b', 'application/json; charset=utf-8', '{"error":"not found"}\n'],
    ['/api/v1/results/a/b/history', 'application/json; charset=utf-8', '{"error":"not found"}\n'],
    ['/domain/a/b', 'text/plain; charset=utf-8', 'not found\n'],
  ])('404 for %s: %s', (path, contentType, body) => {
    expect(notFound(path)).toMatchObject({ status: 404, contentType, body });
  });

  test('405 names the method and allows GET and HEAD', () => {
    expect(methodNotAllowed('POST', 'GET, HEAD')).toMatchObject({ status: 405, body: 'method POST not allowed\n', headers: { Allow: 'GET, HEAD' } });
  });
});
