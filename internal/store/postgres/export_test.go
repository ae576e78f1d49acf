package postgres

import "context"

// SubmissionQueue tells the group commit's state to the tests: groups being written, and
// submissions waiting.
func (s *Store) SubmissionQueue() (writing, waiting int) {
	return s.submissions.Writing(), s.submissions.Waiting()
}

// MigrateDownTo undoes the migrations after version, as an older Doorstep left the schema.
func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	provider, done, err := s.migrations(ctx)
	if err != nil {
		return err
	}
	defer done()
	_, err = provider.DownTo(ctx, version)
	return err
}
