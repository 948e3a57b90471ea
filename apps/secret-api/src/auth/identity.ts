/** The caller of a request, as established by a verified JWT. Nothing else in the API reads the token. */
export interface Identity {
  /** The token's `sub`: a person, a CI job (`repo:acme/myapp:ref:refs/heads/main`) or a cluster controller. */
  readonly subject: string;
  /** The trusted issuer (`iss`) that signed the token. */
  readonly issuer: string;
  /**
   * Who the caller is for every decision and record: the issuer's `subjectPrefix` + `sub`. Prefixes are
   * unique per issuer, so two issuers can never mint the same principal (a second issuer's token with a
   * controller's `sub` is someone else).
   */
  readonly principal: string;
  /** Group memberships from the issuer's groups claim (empty when the issuer sends none and that is allowed). */
  readonly groups: readonly string[];
}
