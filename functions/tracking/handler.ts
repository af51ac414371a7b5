import { createTrackingHandler } from './app';

export const handler = createTrackingHandler(process.env);
