// Client profiles for handshake simulation (issue #18): the ClientHello a real TLS implementation
// sends with its default settings, as data. Each profile is one JSON file in
// src/tls/registry/client-profiles/ (written by scripts/capture-client-hellos.mjs from the real
// library, or by hand from published defaults, marked so); scripts/generate-client-profiles.mjs
// turns them into client-profiles.generated.ts so that nothing reads files at run time.

import type { Mode } from '../../result/types.js';

/** How the profile was obtained. */
export type ProfileProvenance =
  | {
      method: 'captured';
      /** The program that sent the hello, e.g. `openssl s_client`. */
      tool: string;
      /** The library version it reported, e.g. `OpenSSL 3.0.17 1 Jul 2025`. */
      version: string;
      /** The Debian package and version it came from. */
      package: string;
      /** When it was captured (YYYY-MM-DD). */
      date: string;
      /** The command that reproduces the capture (scripts/capture-client-hellos.mjs --only ID). */
      command: string;
    }
  | {
      method: 'published';
      /** Where the defaults are documented (release notes, source file at a tag, …). */
      source: string;
      /** Why it cannot be captured here. */
      note: string;
    };

/** One extension of the hello, in the order sent. */
export interface ProfileExtension {
  /** IANA extension type. */
  type: number;
  /** IANA name, for people (`server_name`, `supported_groups`, …). */
  name: string;
  /** The extension_data as sent, lowercase hex (server_name and key_share are rewritten per connection). */
  data: string;
}

export interface ClientProfile {
  /** Stable id, the `profile` label of the metrics: lowercase, digits, `_`, e.g. `openssl_3_0`. */
  id: string;
  /** For people: `OpenSSL 3.0 (Debian 12)`. */
  name: string;
  /** XMPP software known to use this stack with its defaults (`Prosody (LuaSec)`, `Gajim`, …). */
  software: string[];
  /** c2s: a client connecting to the server; s2s: a federating server connecting to it. */
  roles: Mode[];
  /**
   * A current, mainstream stack: when it can no longer connect, the grade gets a warning and the
   * alert fires. Historic profiles (OpenSSL 1.0.x, …) are false.
   */
  current: boolean;
  provenance: ProfileProvenance;
  clientHello: {
    /** ClientHello.legacy_version, e.g. 0x0303. */
    legacyVersion: number;
    /** Version in the record header of the first record (usually 0x0301). */
    recordVersion: number;
    /** Cipher suites in the order sent, GREASE values and SCSVs included. */
    cipherSuites: number[];
    compressionMethods: number[];
    extensions: ProfileExtension[];
  };
  /**
   * What the client accepts that the hello does not show: the protocol versions it accepts in the
   * ServerHello (from supported_versions when sent; else from the library's documented minimum up
   * to legacy_version), and the smallest DH prime it accepts (null: not known).
   */
  accepts: {
    versions: Array<'SSLv3' | 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'>;
    minDhBits: number | null;
  };
  /** For people: how `accepts` was established, what applications change, what the hello leaves out. */
  notes?: string;
}
