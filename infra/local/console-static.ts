/**
 * Serves the built operator console (console/dist) at /console/ from the local API server, with the
 * same security headers CloudFront adds in AWS. Unknown paths without a file extension fall back to
 * index.html (client-side routes such as /console/emails/<id>); a missing asset is a plain 404.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE, consoleCsp } from '../definitions';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Headers on every console response (CloudFront's ResponseHeadersPolicy sets the same in AWS). */
export function consoleSecurityHeaders(apiOrigin?: string): Record<string, string> {
  return {
    'content-security-policy': consoleCsp(apiOrigin),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}

/** <repo>/console/dist, where `vite build --config console/vite.config.ts` writes. */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL(`../../${CONSOLE.distDir}`, import.meta.url));

export interface ConsoleStaticOptions {
  /** Folder with the Vite build (default: CONSOLE_DIST_DIR). */
  readonly distDir?: string;
}

/** A `staticHandler` for startLocalApi: answers GET/HEAD under /console, returns false for anything else. */
export function consoleStaticHandler(options: ConsoleStaticOptions = {}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const root = path.resolve(options.distDir ?? CONSOLE_DIST_DIR);
  const base = CONSOLE.basePath; // '/console/'
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== base.slice(0, -1) && !url.pathname.startsWith(base)) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = consoleSecurityHeaders();
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method Not Allowed');
      return true;
    }
    if (url.pathname === base.slice(0, -1)) {
      res.writeHead(308, { ...headers, location: base });
      res.end();
      return true;
    }
    const index = path.join(root, 'index.html');
    if (!existsSync(index)) {
      res.writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end('The console is not built: run `npx vite build --config console/vite.config.ts` (npm start does it for you).');
      return true;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname.slice(base.length));
    } catch {
      relative = '\0';
    }
    if (relative === CONSOLE.configFile && !existsSync(path.join(root, relative))) {
      // Local mode: the API is this same origin (AWS deployments write {apiUrl} here).
      res.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : '{}');
      return true;
    }
    const file = path.resolve(root, relative);
    // Never outside dist (../, encoded or not).
    const inside = file === root || file.startsWith(root + path.sep);
    let target: string | undefined;
    if (inside && !relative.includes('\0') && existsSync(file) && statSync(file).isFile()) target = file;
    else if (inside && !path.extname(relative)) target = index;
    if (!target) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not Found');
      return true;
    }
    const body = readFileSync(target);
    const hashed = target.includes(`${path.sep}assets${path.sep}`);
    res.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES[path.extname(target)] ?? 'application/octet-stream',
      'content-length': String(body.length),
      // Vite puts a content hash in every asset name; index.html must always be fresh.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  };
}
