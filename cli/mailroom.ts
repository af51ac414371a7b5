/**
 * `npm run mailroom -- <command>`. Quiet defaults are set before any module builds its logger,
 * metrics or SDK client; then the commands load.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= '1';

await import('./main');
export {};
