/** A `fetch` as the use cases need it: attachment `path`s (and webhook deliveries) go through one. */
export type Fetcher = (url: string, init: { signal: AbortSignal; redirect: 'error' | 'follow' }) => Promise<Response>;
