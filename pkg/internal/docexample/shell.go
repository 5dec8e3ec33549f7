package docexample

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	assignRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	exitCommentRx = regexp.MustCompile(`^#\s*exit\s+(\d)\s*$`)
)

// ParseCommand reads one command the way a POSIX shell splits it, for
// the subset an example may use: words with single quotes, double quotes
// and backslashes, NAME=value assignments in front, "< FILE" for standard
// input and a trailing "# exit N". Anything a shell would expand or
// connect (variables, globs, pipes, other redirections, command lists) is
// refused: an example must mean the same in the reader's shell as in the
// test, so a block that needs more is marked not run.
func ParseCommand(line string) (Command, error) {
	cmd := Command{Exit: -1}
	words, comment, err := splitWords(line)
	if err != nil {
		return cmd, err
	}
	if comment != "" {
		m := exitCommentRx.FindStringSubmatch(comment)
		if m == nil {
			return cmd, fmt.Errorf("comment %q: the only comment an example command may carry is \"# exit N\"", comment)
		}
		cmd.Exit, _ = strconv.Atoi(m[1])
	}
	for len(words) > 0 && !words[0].quoted && assignRE.MatchString(words[0].text) {
		cmd.Env = append(cmd.Env, words[0].text)
		words = words[1:]
	}
	if len(words) == 0 || words[0].text != "mailflow" {
		return cmd, errors.New("an example command runs mailflow (mark other commands <!-- not run: REASON -->)")
	}
	for i := 1; i < len(words); i++ {
		w := words[i]
		if w.redirect {
			if i != len(words)-2 {
				return cmd, errors.New(`"< FILE" must end the command`)
			}
			cmd.Stdin = words[i+1].text
			break
		}
		cmd.Args = append(cmd.Args, w.text)
	}
	return cmd, nil
}

type word struct {
	text string
	// quoted is set when any part of the word was quoted or escaped, so
	// that 'A=b' is an argument, not an assignment.
	quoted bool
	// redirect marks the "<" operator.
	redirect bool
}

// splitWords splits line into words and returns the comment that ends
// it, if any.
func splitWords(line string) (words []word, comment string, err error) {
	var cur strings.Builder
	inWord, quoted := false, false
	flush := func() {
		if inWord {
			words = append(words, word{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		inWord, quoted = false, false
	}
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++ // a line continuation joins the lines
				continue
			}
			if i+1 >= len(rs) {
				return nil, "", errors.New("backslash at the end of the command")
			}
			i++
			cur.WriteRune(rs[i])
			inWord, quoted = true, true
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		case c == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j >= len(rs) {
				return nil, "", errors.New("unterminated single quote")
			}
			cur.WriteString(string(rs[i+1 : j]))
			i = j
			inWord, quoted = true, true
		case c == '"':
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				switch rs[j] {
				case '\\':
					if j+1 < len(rs) && strings.ContainsRune("\"\\$`\n", rs[j+1]) {
						j++
						if rs[j] != '\n' {
							cur.WriteRune(rs[j])
						}
						continue
					}
				case '$', '`':
					return nil, "", fmt.Errorf("%q inside double quotes: the shell would expand it", string(rs[j]))
				}
				cur.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, "", errors.New("unterminated double quote")
			}
			i = j
			inWord, quoted = true, true
		case c == '#' && !inWord:
			flush()
			return words, strings.TrimSpace(string(rs[i:])), nil
		case c == '<':
			flush()
			words = append(words, word{text: "<", redirect: true})
			if i+1 < len(rs) && rs[i+1] == '<' {
				return nil, "", errors.New("here-documents are not run")
			}
		case strings.ContainsRune("|&;>()`$", c):
			return nil, "", fmt.Errorf("%q: pipes, expansions and redirections other than \"< FILE\" are not run (mark the block <!-- not run: REASON -->)", string(c))
		case strings.ContainsRune("*?[", c):
			return nil, "", fmt.Errorf("%q would be a glob in a shell: quote the word", string(c))
		case c == '~' && !inWord:
			return nil, "", errors.New("~ would be expanded by a shell: write the path")
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	flush()
	for i, w := range words {
		if w.redirect && (i+1 >= len(words) || words[i+1].redirect) {
			return nil, "", errors.New(`"<" without a file`)
		}
	}
	return words, "", nil
}
