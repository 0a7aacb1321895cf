// The function every host in `npm run bench:host` runs: the identity on the event's data, in the
// Knative Functions signature that both knmesh serve and faas-js-runtime understand.
export function handle(_context, event) {
  return event.data;
}
