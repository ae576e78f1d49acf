package postgres

// SubmissionQueue tells the group commit's state to the tests: groups being written, and
// submissions waiting.
func (s *Store) SubmissionQueue() (writing, waiting int) {
	return s.submissions.Writing(), s.submissions.Waiting()
}
