import { createDomainsHandler } from './app';

export const handler = createDomainsHandler(process.env);
