/** What each generated file should hold now (paths relative to the repository). */
export declare function generate(): Promise<{ path: string; text: string }[]>;

/** The ajv instance (options and annotation keywords) that compiles docs/config.schema.json into the generated validator. */
export declare function configAjv(): import('ajv/dist/2020.js').default;
