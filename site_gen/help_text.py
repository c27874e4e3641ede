"""`site-gen --help` as Click prints it at 80 columns: made by scripts/help_text.py, never by hand."""

HELP = (
    'Usage: {program} [OPTIONS] COMMAND [ARGS]...\n'
    '\n'
    '  site-gen: the customer backlog as code.\n'
    '\n'
    '  Keep feedback, irritants, decisions, metrics and "you said, we did" stories\n'
    '  as files in git; check them on every pull request; publish an internal site\n'
    '  and a public one from the same files.\n'
    '\n'
    'Options:\n'
    '  --version   Show the version and exit.\n'
    '  -h, --help  Show this message and exit.\n'
    '\n'
    'Commands:\n'
    "  agenda    The weekly meeting's agenda, from the backlog: 15–20 minutes,...\n"
    '  build     Check, then build the public and internal sites.\n'
    '  check     Check the backlog rules; report every problem with its file...\n'
    "  digest    The week's complaints, suggestions and praise as markdown for...\n"
    "  feedback  Find feedback rows by the customer's words: ID, date, stage,...\n"
    '  import    Add the rows of a survey, review or helpdesk export to...\n'
    '  init      Start a new team repository that check and build accept at once.\n'
    '  new       Start a new irritant, decision or story from a valid file.\n'
    '  notify    Tell the customers whose feedback led to a change, once.\n'
    "  reviewed  Record the meeting's reviews in the irritant files, changing...\n"
    '  schema    Write JSON Schemas for editors (autocompletion and inline...\n'
    '  serve     Preview both sites locally, rebuilt and reloaded when a file...\n'
)
