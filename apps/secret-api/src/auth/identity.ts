/** The caller of a request, as established by a verified JWT. Nothing else in the API reads the token. */
export interface Identity {
  /** The token's `sub`: a person, a CI job (`repo:acme/myapp:ref:refs/heads/main`) or a cluster controller. */
  readonly subject: string;
  /** The trusted issuer (`iss`) that signed the token. */
  readonly issuer: string;
  /** Group memberships from the issuer's groups claim (empty when the issuer sends none and that is allowed). */
  readonly groups: readonly string[];
}
