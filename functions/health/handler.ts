import { createHealthHandler } from './app';

export const handler = createHealthHandler(process.env);
