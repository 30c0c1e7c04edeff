"""Quiz steps: multiple-choice and ordering questions, each explained option by option once answered.

The first answer to a question is the one that counts (tutor/learner/progress.py keeps it), so an
answered question is shown as answered, with the learner's choice, when they come back, and
cannot be answered again. The screen records each answer and shows the lesson's score here.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.lessons import Question, Step
from tutor.lessons.modes.quiz import QuizAnswer
from tutor.ui.widgets.choice_list import ChoiceList
from tutor.ui.widgets.order_list import OrderList, shuffled
from tutor.ui.widgets.predict_view import LETTERS

ORDER_HOW = "Put these in order: up/down pick an item, shift+up/shift+down move it, Enter answers."


def feedback(question: Question, chosen: int | list[int]) -> Content:
    """The verdict, then every option (or item) with why it is right, wrong, or where it goes."""
    right = question.grade(chosen)
    lines: list[Content] = []
    if question.kind == "order":
        placed = list(chosen) if isinstance(chosen, (list, tuple)) else []
        lines.append(Content.from_markup("[b]$v[/b] The right order, and why:",
                                         v="Right." if right else "Not quite."))
        for n, option in enumerate(question.options):
            yours = placed.index(n) + 1 if n in placed else None
            mark = "✓" if yours == n + 1 else "✗"
            where = "" if yours == n + 1 else f" (you had it at {yours})"
            lines.append(Content(f"{mark} {n + 1}. {option.text}{where}"))
            lines.append(Content(f"     {option.explain}"))
        return Content("\n").join(lines)
    answer = question.answer
    verdict = "Right." if right else f"Not quite: the answer is {LETTERS[answer]}."
    lines.append(Content.from_markup("[b]You chose $you. $v[/b]", you=LETTERS[chosen], v=verdict))
    for n, option in enumerate(question.options):
        mark = "✓" if option.correct else "✗"
        tags = [t for t, on_ in (("the answer", option.correct), ("your answer", n == chosen)) if on_]
        tag = f" ({', '.join(tags)})" if tags else ""
        lines.append(Content(f"{mark} {LETTERS[n]}. {option.text}{tag}"))
        lines.append(Content(f"     {option.explain}"))
    return Content("\n").join(lines)


class QuestionView(Vertical):
    """One question: its options (or items to order) and, once answered, the explanations."""

    class Answered(Message):
        def __init__(self, view: QuestionView, chosen: int | list[int], correct: bool) -> None:
            super().__init__()
            self.view = view
            self.chosen = chosen
            self.correct = correct

    def __init__(self, number: int, question: Question, answer: QuizAnswer | None) -> None:
        super().__init__(classes="question-view")
        self.number = number
        self.question = question
        self.answer = answer

    @property
    def answered(self) -> bool:
        return self.answer is not None

    @property
    def choices(self) -> OptionList:
        return self.query_one(".choices", OptionList)

    def compose(self) -> ComposeResult:
        q = self.question
        yield Static(Content.from_markup("[b]$n. $q[/b]", n=str(self.number), q=q.question), classes="question-text")
        if q.kind == "order":
            yield Static(ORDER_HOW, classes="question-how")
            order = list(self.answer.chosen) if self.answered else shuffled(len(q.options), q.id)
            yield OrderList([o.text for o in q.options], order, classes="choices", disabled=self.answered)
        else:
            yield ChoiceList(*[Option(f"{LETTERS[n]}. {o.text}") for n, o in enumerate(q.options)],
                             classes="choices", disabled=self.answered)
        # Shown once answered: an empty line under an open question would read as a gap in the quiz.
        explained = Static(feedback(q, self.answer.chosen) if self.answered else "", classes="feedback")
        explained.display = self.answered
        yield explained

    def on_mount(self) -> None:
        # As with predictions, nothing is picked until the learner moves: a stray Enter answers nothing.
        if not isinstance(self.choices, OrderList):
            self.choices.highlighted = None

    def take_keyboard(self) -> None:
        """Focus the options and bring the whole question (its text first) into sight."""
        self.choices.focus(scroll_visible=False)
        # After the refresh: the question above may just have grown by its explanations.
        self.call_after_refresh(self.scroll_visible, animate=False)

    @on(OptionList.OptionSelected, ".choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.answered:
            return
        chosen: int | list[int]
        chosen = list(self.choices.order) if isinstance(self.choices, OrderList) else event.option_index
        correct = self.question.grade(chosen)
        self.answer = QuizAnswer(chosen, correct)
        self.choices.disabled = True
        explained = self.query_one(".feedback", Static)
        explained.update(feedback(self.question, chosen))
        explained.display = True
        self.post_message(self.Answered(self, chosen, correct))


class QuizView(Vertical):
    """Every question of a quiz step, one under the other, and the lesson's score."""

    DEFAULT_CSS = """
    QuizView { height: auto; }
    QuizView #quiz-questions { height: auto; }
    QuizView .question-view { height: auto; margin: 1 0 0 0; }
    QuizView .question-text { height: auto; padding: 0 1; }
    QuizView .question-how { height: auto; padding: 0 1; color: $text-muted; }
    QuizView .choices { height: auto; }
    QuizView .feedback { height: auto; padding: 0 1; }
    QuizView #quiz-score { height: auto; padding: 1 1 0 1; text-style: bold; }
    """

    class Answered(Message):
        """The learner answered a question for the first time."""

        def __init__(self, step: Step, question: Question, chosen: int | list[int], correct: bool) -> None:
            super().__init__()
            self.step = step
            self.question = question
            self.chosen = chosen
            self.correct = correct

    PINNED = False

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plain = plain
        """The app's --plain mode (every mode view takes it)."""
        self.step: Step | None = None

    def compose(self) -> ComposeResult:
        yield Vertical(id="quiz-questions")
        yield Static(id="quiz-score")

    def show_mode(self, step: Step, answer: int | None, after: str) -> None:
        # The questions need the learner's earlier answers: the screen fills them in (`show`).
        self.display = True

    def hide_mode(self) -> None:
        self.display = False

    @property
    def questions(self) -> list[QuestionView]:
        return list(self.query(QuestionView))

    @property
    def open_questions(self) -> list[QuestionView]:
        return [q for q in self.questions if not q.answered]

    def show(self, step: Step, answers: dict[str, QuizAnswer]) -> None:
        """The step's questions, those answered before shown with their answers."""
        self.step = step
        box = self.query_one("#quiz-questions", Vertical)
        box.remove_children()
        box.mount_all([QuestionView(n, q, answers.get(q.id)) for n, q in enumerate(step.quiz, 1)])

    def show_score(self, right: int, answered: int, lesson_right: int, lesson_answered: int) -> None:
        """This quiz's first-time score, and the whole lesson's when it has other quizzes."""
        total = len(self.step.quiz) if self.step else 0
        if answered == total and total:
            text = f"Quiz done: {right} of {total} right first time."
        else:
            text = f"This quiz: {right} of {answered} right first time, {total - answered} to go."
        if lesson_answered != answered:
            text += f" The lesson so far: {lesson_right} of {lesson_answered}."
        self.query_one("#quiz-score", Static).update(text)

    @on(QuestionView.Answered)
    def _answered(self, event: QuestionView.Answered) -> None:
        event.stop()
        if self.step is None:
            return
        # Move on to the next question still open (or an earlier one skipped), so the keyboard
        # flow never stalls; once none is open the screen gives the keyboard back to the text.
        still_open = self.open_questions
        following = [q for q in still_open if q.number > event.view.number] or still_open
        if following:
            following[0].take_keyboard()
        self.post_message(self.Answered(self.step, event.view.question, event.chosen, event.correct))
