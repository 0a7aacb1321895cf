/** One input as read: a file, a file found in a directory, or standard input (`-`). */
export interface InputSource {
  /** The name messages use: the path as given (or found under a given directory), `-` for stdin. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A problem with an input as a whole (missing, unreadable, not text, empty). */
export interface InputProblem {
  readonly name: string;
  readonly message: string;
}
