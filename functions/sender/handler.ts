import { createSenderHandler } from './app';

export const handler = createSenderHandler(process.env);
