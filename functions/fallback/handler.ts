import { createFallbackHandler } from './app';

export const handler = createFallbackHandler(process.env);
