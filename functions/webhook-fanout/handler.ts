import { createWebhookFanoutHandler } from './app';

export const handler = createWebhookFanoutHandler(process.env);
