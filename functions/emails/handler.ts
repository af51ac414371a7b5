import { createEmailsHandler } from './app';

export const handler = createEmailsHandler(process.env);
