package profiles

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/esauth/esauth/internal/store"
)

// SuggestRequest is a suggest request (SuggestProfilesRequest).
type SuggestRequest struct {
	// Name is searched for in the username, full name and email.
	Name string
	// Size is how many profiles to return at most (default 10).
	Size     int
	DataKeys []string
	// HintUIDs and the label hint raise the profiles they name above the
	// others; they select nothing by themselves.
	HintUIDs    []string
	HintLabel   string
	HintLabelIn []string
	hint        *hintState
}

// Suggestion is a suggest answer (SuggestProfilesResponse).
type Suggestion struct {
	Took     time.Duration
	Total    int
	Profiles []Profile
}

// AppendJSON writes the answer; a hit is the profile without its state
// and version (ProfileHit).
func (s Suggestion) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"took":`...)
	dst = strconv.AppendInt(dst, s.Took.Milliseconds(), 10)
	dst = append(dst, `,"total":{"value":`...)
	dst = strconv.AppendInt(dst, int64(s.Total), 10)
	dst = append(dst, `,"relation":"eq"},"profiles":[`...)
	for i, p := range s.Profiles {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"uid":`...)
		dst = append(dst, strconv.Quote(p.doc.UID)...) // uids are ASCII
		dst = append(dst, ',')
		dst = p.appendUser(dst)
		var err error
		if dst, err = p.appendLabelsAndData(dst); err != nil {
			return nil, err
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...), nil
}

// MarshalJSON implements json.Marshaler.
func (s Suggestion) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil) }

// Suggest finds enabled profiles whose username, full name or email match
// the name as one typed so far (ProfileService.buildSearchRequestForSuggest:
// a bool_prefix multi_match with AUTO fuzziness), best first, then most
// recently activated first. Elasticsearch orders by Lucene's BM25 scores;
// esauth scores each matching word alike (exact, then prefix of the last
// word, then fuzzy), adds a bonus for words matched in order and one per
// hint, which ranks the obvious matches as Elasticsearch does without
// reproducing its scores.
func (s *Service) Suggest(ctx context.Context, req SuggestRequest) (Suggestion, error) {
	start := s.now()
	terms := analyze(req.Name)
	hasName := strings.TrimSpace(req.Name) != ""
	type hit struct {
		doc   *document
		score float64
	}
	var hits []hit
	err := s.db.List(ctx, store.Profiles, func(_ string, val []byte) error {
		doc, err := decode(val)
		if err != nil {
			return err
		}
		if !doc.Enabled {
			return nil
		}
		score := 0.0
		if hasName {
			if score = nameScore(terms, doc.User); score == 0 {
				return nil
			}
		}
		if slices.Contains(req.HintUIDs, doc.UID) {
			score++
		}
		if req.HintLabel != "" && labelMatches(doc.Labels, req.HintLabel, req.HintLabelIn) {
			score++
		}
		hits = append(hits, hit{doc, score})
		return nil
	})
	if err != nil {
		return Suggestion{}, err
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		switch {
		case a.score != b.score:
			if a.score > b.score {
				return -1
			}
			return 1
		case a.doc.LastSynchronized != b.doc.LastSynchronized:
			if a.doc.LastSynchronized > b.doc.LastSynchronized {
				return -1
			}
			return 1
		}
		return strings.Compare(a.doc.UID, b.doc.UID)
	})
	out := Suggestion{Total: len(hits), Profiles: []Profile{}}
	for _, h := range hits[:min(len(hits), max(req.Size, 0))] {
		p, err := newProfile(h.doc, req.DataKeys)
		if err != nil {
			return Suggestion{}, err
		}
		out.Profiles = append(out.Profiles, p)
	}
	out.Took = s.now().Sub(start)
	return out, nil
}

// nameScore scores the name's words against the profile's username, full
// name and email, as the sum over fields (most_fields, as bool_prefix
// multi_match scores).
func nameScore(terms []string, u user) float64 {
	if len(terms) == 0 {
		return 0
	}
	fields := []string{u.Username}
	if u.FullName != nil {
		fields = append(fields, *u.FullName)
	}
	if u.Email != nil {
		fields = append(fields, *u.Email)
	}
	total := 0.0
	for _, f := range fields {
		tokens := analyze(f)
		prev := -2 // the token the previous word matched exactly
		for i, t := range terms {
			last := i == len(terms)-1
			best, at := 0.0, -2
			for j, tok := range tokens {
				var sc float64
				switch {
				case tok == t:
					sc = 1
				case last && strings.HasPrefix(tok, t):
					sc = 0.8
				case !last && fuzzyMatch(t, tok):
					sc = 0.5
				}
				if sc > best {
					best, at = sc, j
				}
			}
			total += best
			if best > 0 && at == prev+1 {
				total += 0.5 // the _2gram and _3gram shingles
			}
			prev = at
		}
	}
	return total
}

// analyze splits text into lowercase words roughly as the standard
// analyzer does: letters, digits and underscores, joined by a '.' or an
// apostrophe between two of them.
func analyze(s string) []string {
	var out []string
	var b strings.Builder
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case word(r):
			b.WriteRune(unicode.ToLower(r))
		case (r == '.' || r == '\'') && b.Len() > 0 && i+1 < len(rs) && word(rs[i+1]):
			b.WriteRune(r)
		default:
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// fuzzyMatch is Fuzziness.AUTO: no edit for words of up to two
// characters, one up to five, two beyond; a transposition is one edit.
func fuzzyMatch(term, tok string) bool {
	n := utf8.RuneCountInString(term)
	allowed := 2
	switch {
	case n <= 2:
		allowed = 0
	case n <= 5:
		allowed = 1
	}
	return allowed > 0 && editDistance([]rune(term), []rune(tok)) <= allowed
}

// editDistance is the optimal string alignment distance.
func editDistance(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// labelMatches is a terms query on user_profile.labels.<key>: the label's
// value, or one of its values, is one of those asked.
func labelMatches(labels json.RawMessage, key string, values []string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(labels, &m) != nil {
		return false
	}
	raw, ok := m[key]
	if !ok {
		return false
	}
	var list []any
	if json.Unmarshal(raw, &list) != nil {
		var one any
		if json.Unmarshal(raw, &one) != nil {
			return false
		}
		list = []any{one}
	}
	for _, v := range list {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(x)
		default:
			continue
		}
		if slices.Contains(values, s) {
			return true
		}
	}
	return false
}
