package securityapi

import (
	"context"

	"github.com/esauth/esauth/internal/authz"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/pipeline"
	"github.com/esauth/esauth/internal/rest"
	"github.com/esauth/esauth/internal/user"
	"github.com/esauth/esauth/internal/xcontent"
)

// passwordCheckPath is esauth's own password dry-run check, under the
// same _esauth prefix as the locked-users API.
const passwordCheckPath = "/_security/_esauth/password/_check"

// checkPassword is POST /_security/_esauth/password/_check: the password
// policy's verdict on a candidate password, exactly as put user and
// change password apply it, with every rule it breaks and a strength
// score (user.PasswordScore). Nothing is stored, and the password is
// never logged or written back. "username" (default: the caller) is the
// name the forbid_username rule compares with; no user is read.
func (a *API) checkPassword(c *pipeline.Call) (pipeline.Prepared, error) {
	body, err := c.RequiredContent()
	if err != nil {
		return pipeline.Prepared{}, err
	}
	var pw *string
	name := c.Auth.Effective.User.Username
	err = xcontent.Fields(body, func(v xcontent.Value) error {
		switch v.Field {
		case "password":
			s, err := v.String()
			pw = &s
			return err
		case "username":
			name, err = v.String()
			return err
		}
		return eserr.Parse("failed to parse password check request. unexpected field [%s]", v.Field)
	})
	if err != nil {
		return pipeline.Prepared{}, err
	}
	return pipeline.Prepared{
		Authz: authz.Request{Target: c.Auth.Effective.User.Username},
		Validate: func() error {
			if pw != nil {
				return nil
			}
			var v eserr.Validator
			v.Add("password is missing")
			return v.Err()
		},
		Run: func(context.Context, authz.Decision) (*rest.Response, error) {
			problems := a.policy().Problems(name, *pw)
			errs := make([]string, 0, len(problems))
			errs = append(errs, problems...)
			return rest.OK(xcontent.Obj("valid", len(problems) == 0, "errors", errs,
				"score", user.PasswordScore(*pw, len(problems) == 0), "length", user.PasswordLength(*pw)))
		},
	}, nil
}
