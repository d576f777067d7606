export declare function startStallMeter(): { stop(): number };
