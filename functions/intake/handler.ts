import { createIntakeHandler } from './app';

export const handler = createIntakeHandler(process.env);
