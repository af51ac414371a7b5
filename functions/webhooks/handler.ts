import { createWebhooksHandler } from './app';

export const handler = createWebhooksHandler(process.env);
