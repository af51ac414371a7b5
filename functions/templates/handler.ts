import { createTemplatesHandler } from './app';

export const handler = createTemplatesHandler(process.env);
