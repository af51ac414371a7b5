import { createReconcilerHandler } from './app';

export const handler = createReconcilerHandler(process.env);
