import { createSchedulesHandler } from './app';

export const handler = createSchedulesHandler(process.env);
