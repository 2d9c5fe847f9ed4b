// Package authn decides who is calling: HTTP Basic credentials through the
// realm chain, anonymous access, login lockout, last login and the
// authentication audit events, summed up in one Authentication.
package authn
