export const FINAL_HINT = 'Delivery events (delivered, bounced, opened, …) arrive from SES after sending; this page refreshes every 5 s.';
