package emulator

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// session is an assumed-role session; its access key is the map key in
// Emulator.sessions.
type session struct {
	roleARN, account, roleName, roleID string
	name                               string // RoleSessionName
	expires                            time.Time
}

func (s *session) arn() string {
	return "arn:aws:sts::" + s.account + ":assumed-role/" + s.roleName + "/" + s.name
}

// TokenError lets a web identity validator choose the STS error returned,
// e.g. Code "AccessDenied" or "ExpiredTokenException". Other validator errors
// answer InvalidIdentityToken.
type TokenError struct {
	Code, Message string
}

func (t *TokenError) Error() string { return t.Code + ": " + t.Message }

// SetWebIdentityValidator installs f to accept or reject the tokens given to
// AssumeRoleWithWebIdentity; nil accepts any non-empty token.
func (e *Emulator) SetWebIdentityValidator(f func(token string) error) {
	e.mu.Lock()
	e.validator = f
	e.mu.Unlock()
}

// RequireExternalID makes AssumeRole of roleARN answer AccessDenied unless
// the request carries this ExternalId; "" lifts the requirement.
func (e *Emulator) RequireExternalID(roleARN, externalID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if externalID == "" {
		delete(e.externalID, roleARN)
		return
	}
	e.externalID[roleARN] = externalID
}

// Credentials reports which role an access key issued by this emulator
// belongs to.
func (e *Emulator) Credentials(accessKeyID string) (roleARN string, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.sessions[accessKeyID]
	if !ok {
		return "", false
	}
	return s.roleARN, true
}

// IssuedSecrets returns the secret access key and session token of every
// credential set issued so far, in issue order, e.g. to check that none of
// them leaks into logs.
func (e *Emulator) IssuedSecrets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.secrets)
}

var stsParams = []string{"RoleArn", "RoleSessionName", "ExternalId", "DurationSeconds", "WebIdentityToken"}

func describeSTSCall(req *request) {
	for _, k := range stsParams {
		if v, ok := req.form[k]; ok && len(v) > 0 {
			if req.call.Params == nil {
				req.call.Params = map[string]string{}
			}
			req.call.Params[k] = v[0]
		}
	}
}

// stsResult holds the members of every emulated operation's result; empty
// ones are left out.
type stsResult struct {
	XMLName                     xml.Name
	Credentials                 *stsCredentials
	AssumedRoleUser             *stsAssumedRoleUser
	SubjectFromWebIdentityToken string `xml:",omitempty"`
	Provider                    string `xml:",omitempty"`
	Audience                    string `xml:",omitempty"`
	UserID                      string `xml:"UserId,omitempty"`
	Account                     string `xml:",omitempty"`
	Arn                         string `xml:",omitempty"`
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type stsAssumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string
}

func (e *Emulator) serveSTS(w http.ResponseWriter, req *request) {
	op := req.call.Operation
	var res *stsResult
	var fail *apiError
	switch {
	case req.form.Get("Version") != "2011-06-15":
		fail = errf(http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", op, req.form.Get("Version")))
	case op == "AssumeRoleWithWebIdentity":
		res, fail = e.assumeRoleWithWebIdentity(req)
	case op == "AssumeRole":
		res, fail = e.assumeRole(req)
	case op == "GetCallerIdentity":
		res, fail = e.getCallerIdentity(req)
	default:
		fail = errf(http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2011-06-15", op))
	}
	if fail != nil {
		e.writeSTSError(w, req, fail)
		return
	}
	res.XMLName = xml.Name{Local: op + "Result"}
	e.writeSTS(w, req, http.StatusOK, struct {
		XMLName   xml.Name
		Xmlns     string `xml:"xmlns,attr"`
		Result    *stsResult
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}{xml.Name{Local: op + "Response"}, stsNamespace, res, e.requestID()})
}

func (e *Emulator) writeSTSError(w http.ResponseWriter, req *request, fail *apiError) {
	req.code = fail.code
	e.writeSTS(w, req, fail.status, struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Type      string   `xml:"Error>Type"`
		Code      string   `xml:"Error>Code"`
		Message   string   `xml:"Error>Message"`
		RequestID string   `xml:"RequestId"`
	}{Xmlns: stsNamespace, Type: pick(fail.status >= 500, "Receiver", "Sender"), Code: fail.code, Message: fail.message, RequestID: e.requestID()})
}

func (e *Emulator) writeSTS(w http.ResponseWriter, req *request, status int, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, nil
	}
	body = append([]byte(xml.Header), body...)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	req.status = status
	e.finish(req)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func stsValidation(member, value, constraint string) *apiError {
	return errf(http.StatusBadRequest, "ValidationError", fmt.Sprintf(
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

func stsAccessDenied(callerARN, action, resource string) *apiError {
	return errf(http.StatusForbidden, "AccessDenied", fmt.Sprintf(
		"User: %s is not authorized to perform: %s on resource: %s", callerARN, action, resource))
}

var (
	roleARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(` + ecrspec.RegistryIDPattern + `):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// roleSession validates the parameters AssumeRole* share and returns the
// session they ask for.
func (e *Emulator) roleSession(req *request) (*session, *apiError) {
	f := req.form
	roleARN := f.Get("RoleArn")
	m := roleARNRE.FindStringSubmatch(roleARN)
	if m == nil {
		return nil, stsValidation("roleArn", roleARN, "Member must be a valid IAM role ARN")
	}
	name := f.Get("RoleSessionName")
	if !sessionNameRE.MatchString(name) {
		return nil, stsValidation("roleSessionName", name,
			"Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*")
	}
	duration := 3600
	if d := f.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			return nil, stsValidation("durationSeconds", d, "Member must have value between 900 and 43200")
		}
		duration = n
	}
	return &session{
		roleARN:  roleARN,
		account:  m[1],
		roleName: m[2],
		roleID:   "AROA" + strings.ToUpper(strings.ReplaceAll(uuidFrom(roleARN), "-", "")[:17]),
		name:     name,
		expires:  e.now().Add(time.Duration(duration) * time.Second).UTC().Truncate(time.Second),
	}, nil
}

func (e *Emulator) assumeRoleWithWebIdentity(req *request) (*stsResult, *apiError) {
	s, fail := e.roleSession(req)
	if fail != nil {
		return nil, fail
	}
	token := req.form.Get("WebIdentityToken")
	if len(token) < 4 {
		return nil, stsValidation("webIdentityToken", token, "Member must have length greater than or equal to 4")
	}
	if !e.allows("sts:AssumeRoleWithWebIdentity", "") {
		return nil, errf(http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	}
	e.mu.Lock()
	validate := e.validator
	e.mu.Unlock()
	if validate != nil {
		if err := validate(token); err != nil {
			var te *TokenError
			if errors.As(err, &te) {
				return nil, errf(pickStatus(te.Code), te.Code, te.Message)
			}
			return nil, errf(http.StatusBadRequest, "InvalidIdentityToken", err.Error())
		}
	}
	claims := tokenClaims(token)
	res := e.issue(s)
	res.SubjectFromWebIdentityToken = claims.Sub
	res.Provider = claims.Iss
	res.Audience = claims.Aud
	return res, nil
}

func pickStatus(code string) int {
	if code == "AccessDenied" {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

type jwtClaims struct {
	Sub, Iss, Aud string
}

// tokenClaims reads sub, iss and aud from a JWT-shaped token (unverified),
// with fixed values for other tokens.
func tokenClaims(token string) jwtClaims {
	c := jwtClaims{Sub: "emulator-subject", Iss: "token.actions.githubusercontent.com", Aud: "sts.amazonaws.com"}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return c
	}
	var raw struct {
		Sub, Iss string
		Aud      any
	}
	if json.Unmarshal(payload, &raw) != nil {
		return c
	}
	if raw.Sub != "" {
		c.Sub = raw.Sub
	}
	if raw.Iss != "" {
		c.Iss = strings.TrimPrefix(raw.Iss, "https://")
	}
	if aud, ok := raw.Aud.(string); ok && aud != "" {
		c.Aud = aud
	}
	return c
}

func (e *Emulator) assumeRole(req *request) (*stsResult, *apiError) {
	who, fail := e.stsCaller(req)
	if fail != nil {
		return nil, fail
	}
	s, fail := e.roleSession(req)
	if fail != nil {
		return nil, fail
	}
	ext := req.form.Get("ExternalId")
	if _, given := req.form["ExternalId"]; given && (len(ext) < 2 || len(ext) > 1224 || !externalIDRE.MatchString(ext)) {
		return nil, stsValidation("externalId", ext, "Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:\\/-]*")
	}
	if !e.allows("sts:AssumeRole", "") {
		return nil, stsAccessDenied(who.arn, "sts:AssumeRole", s.roleARN)
	}
	e.mu.Lock()
	want, required := e.externalID[s.roleARN]
	e.mu.Unlock()
	if required && ext != want {
		return nil, stsAccessDenied(who.arn, "sts:AssumeRole", s.roleARN)
	}
	return e.issue(s), nil
}

func (e *Emulator) getCallerIdentity(req *request) (*stsResult, *apiError) {
	who, fail := e.stsCaller(req)
	if fail != nil {
		return nil, fail
	}
	if !e.allows("sts:GetCallerIdentity", "") {
		return nil, stsAccessDenied(who.arn, "sts:GetCallerIdentity", "*")
	}
	return &stsResult{Account: who.account, Arn: who.arn, UserID: who.userID}, nil
}

// stsCaller resolves the signer of a request that must be signed.
func (e *Emulator) stsCaller(req *request) (caller, *apiError) {
	if req.call.AccessKeyID == "" {
		return caller{}, errf(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	who, expired := e.callerOf(req.call.AccessKeyID)
	if expired {
		return caller{}, errf(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
	}
	return who, nil
}

// issue creates credentials for s and remembers which role they belong to.
func (e *Emulator) issue(s *session) *stsResult {
	keyID := "ASIA" + randomString(16)
	secret, token := randomBase64(30), "FwoGZXIvYXdzE"+randomBase64(180)
	e.mu.Lock()
	e.sessions[keyID] = s
	e.secrets = append(e.secrets, secret, token)
	e.mu.Unlock()
	return &stsResult{
		Credentials: &stsCredentials{
			AccessKeyID:     keyID,
			SecretAccessKey: secret,
			SessionToken:    token,
			Expiration:      s.expires.Format("2006-01-02T15:04:05Z"),
		},
		AssumedRoleUser: &stsAssumedRoleUser{AssumedRoleID: s.roleID + ":" + s.name, Arn: s.arn()},
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms
	return b
}

// randomString returns n characters of [A-Z2-7], the alphabet of AWS key IDs.
func randomString(n int) string {
	return base32.StdEncoding.EncodeToString(randomBytes(n))[:n]
}

func randomBase64(n int) string {
	return base64.StdEncoding.EncodeToString(randomBytes(n))
}
