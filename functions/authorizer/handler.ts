import { createAuthorizerHandler } from './app';

export const handler = createAuthorizerHandler(process.env);
