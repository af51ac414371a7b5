import { createIngestHandler } from './app';

export const handler = createIngestHandler(process.env);
