/** What each generated file should hold now (paths relative to the repository). */
export declare function generate(): Promise<{ path: string; text: string }[]>;
