/** juice's own entry without web-resource-inliner (no fetching of remote CSS or images): the same `juice()`. */
declare module 'juice/client' {
  import juice from 'juice';
  export = juice;
}
