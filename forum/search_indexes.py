"""What the search engine knows about a question (django-haystack).

One document per visible question: its title, body, tags and the text of its visible answers,
with the product, the answer status, the score and the dates for filters and sorts. Deleted
questions are not in the index at all, and deleted answers are left out of their question's
text, so neither can turn up in results or in snippets. ``forum.search.receivers`` re-indexes a
question (through the ``search`` Celery queue) whenever any of this changes.
"""

from haystack import indexes

from forum.models import Post, PostKind
from forum.search.analysis import cjk_bigram_analyzer, text_analyzer
from forum.search.documents import question_document, questions_for_index


class QuestionIndex(indexes.SearchIndex, indexes.Indexable):
    # Everything in one field: what a plain search matches, and what snippets are cut from
    # (the only big text field stored in the index).
    text = indexes.CharField(document=True, analyzer=text_analyzer())
    # The title and the tags.
    title = indexes.CharField(analyzer=text_analyzer(), stored=False)
    # Character pairs of the title, so Chinese jargon jieba cuts differently still matches.
    title_bigrams = indexes.CharField(analyzer=cjk_bigram_analyzer(), stored=False)
    tags = indexes.MultiValueField(stored=False)
    # "answered", "accepted", "unanswered" and "closed", as many as apply, for the filters.
    status = indexes.MultiValueField(stored=False)
    product_id = indexes.IntegerField(stored=False)
    # The question's vote score ("score" is taken: haystack's relevance score of a result).
    votes = indexes.IntegerField(stored=False)
    answer_count = indexes.IntegerField(stored=False)
    created_at = indexes.DateTimeField(stored=False)
    last_activity_at = indexes.DateTimeField(stored=False)

    def get_model(self):
        return Post

    def index_queryset(self, using=None):
        return questions_for_index()

    def read_queryset(self, using=None):
        return self.index_queryset(using).filter(kind=PostKind.QUESTION)

    def prepare(self, obj):
        data = super().prepare(obj)
        data.update(question_document(obj))
        return data

    # The fields are filled by ``prepare`` from one function; these keep haystack from looking
    # for model attributes of the same name.
    def prepare_text(self, obj):
        return ""

    prepare_title = prepare_title_bigrams = prepare_text

    def prepare_tags(self, obj):
        return []

    prepare_status = prepare_tags

    def prepare_product_id(self, obj):
        return obj.product_id

    def prepare_votes(self, obj):
        return obj.score

    def prepare_answer_count(self, obj):
        return obj.answer_count

    def prepare_created_at(self, obj):
        return obj.created_at

    def prepare_last_activity_at(self, obj):
        return obj.last_activity_at
