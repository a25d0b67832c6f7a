export declare const LINUX_TARBALL: string;
export declare const LINUX_CACHE: string;
export declare function linuxSourceMissing(): string | null;
export declare function ensureLinuxSource(paths: string[]): string | null;
export declare function ensureWholeLinuxSource(): string | null;
