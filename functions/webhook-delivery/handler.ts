import { createWebhookDeliveryHandler } from './app';

export const handler = createWebhookDeliveryHandler(process.env);
