// The load test's function: answers every event with its own data, so the reply on the output
// topic carries the send time the load generator put into the event.
export default function identity(input: unknown): unknown {
  return input;
}
