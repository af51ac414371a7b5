import { createOperationsHandler } from './app';

export const handler = createOperationsHandler(process.env);
