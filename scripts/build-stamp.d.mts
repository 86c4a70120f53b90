/** Build inputs (paths relative to the repository root). */
export const BUILD_INPUTS: readonly string[];
/** Build outputs checked for presence and modification time. */
export const BUILD_OUTPUTS: readonly string[];
/** A hash of every build input's path and content. */
export function sourceHash(root: string): string;
/** Where the stamp lives. */
export function stampPath(root: string): string;
/** Record that dist/ is a build of the sources as they are now. */
export function writeStamp(root: string): void;
/** Why dist/ cannot be trusted, or undefined when it is a build of the current sources. */
export function staleReason(root: string): string | undefined;
