import { createApiKeysHandler } from './app';

export const handler = createApiKeysHandler(process.env);
