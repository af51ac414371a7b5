import { createSuppressionsHandler } from './app';

export const handler = createSuppressionsHandler(process.env);
