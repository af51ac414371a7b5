import { createUnsubscribeHandler } from './app';

export const handler = createUnsubscribeHandler(process.env);
